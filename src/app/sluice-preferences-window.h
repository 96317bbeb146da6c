/* sluice-preferences-window.h: GSettings-backed preferences
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define SLUICE_TYPE_PREFERENCES_WINDOW (sluice_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (SluicePreferencesWindow, sluice_preferences_window, SLUICE, PREFERENCES_WINDOW, AdwPreferencesWindow)

SluicePreferencesWindow *sluice_preferences_window_new (GtkWindow *parent,
                                                        GSettings *settings);

/* The folder the download-folder key names; when it is empty, the XDG
 * download folder, or else the home folder.  An absolute path. */
char                    *sluice_preferences_dup_download_folder (GSettings  *settings);

/* A folder path as people read it: UTF-8, the home folder as "~". */
char                    *sluice_preferences_format_folder       (const char *path);

G_END_DECLS
