/* sluice-window.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "sluice-application.h"

G_BEGIN_DECLS

#define SLUICE_TYPE_WINDOW (sluice_window_get_type ())

G_DECLARE_FINAL_TYPE (SluiceWindow, sluice_window, SLUICE, WINDOW, AdwApplicationWindow)

SluiceWindow  *sluice_window_new              (SluiceApplication *application);
/* Adds the list's URLs as tasks and says so in a toast.  directory: where
 * downloads go (NULL: the preferences' folder). */
void           sluice_window_add_urls         (SluiceWindow      *self,
                                               SluiceUrlList     *list,
                                               SluiceTaskKind     kind,
                                               const char        *directory);
gboolean       sluice_window_get_adding       (SluiceWindow      *self);
/* Opens the Add dialog with text in it (NULL: empty). */
GtkWindow     *sluice_window_open_add_dialog  (SluiceWindow      *self,
                                               const char        *text);
/* Opens the Add dialog with the file's text (NULL and a toast if unreadable). */
GtkWindow     *sluice_window_import_file      (SluiceWindow      *self,
                                               GFile             *file);
/* Saves the shown rows (or all tasks) as CSV (a .csv name) or JSON. */
void           sluice_window_export           (SluiceWindow      *self,
                                               GFile             *file,
                                               gboolean           visible_only);
GtkColumnView *sluice_window_get_column_view  (SluiceWindow      *self);
void           sluice_window_show_toast       (SluiceWindow      *self,
                                               const char        *text);
/* "all", "active", "finished" or "failed" */
void           sluice_window_set_filter       (SluiceWindow      *self,
                                               const char        *filter);
const char    *sluice_window_get_filter       (SluiceWindow      *self);

G_END_DECLS
