/* sluice-add-dialog.h: paste a URL list, choose download or scrape
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "sluice-task.h"
#include "sluice-url-list.h"

G_BEGIN_DECLS

#define SLUICE_TYPE_ADD_DIALOG (sluice_add_dialog_get_type ())

G_DECLARE_FINAL_TYPE (SluiceAddDialog, sluice_add_dialog, SLUICE, ADD_DIALOG, AdwWindow)

/* The dialog's "add" signal carries (SluiceUrlList *list, SluiceTaskKind
 * kind, const char *directory): the URLs parsed from the text, the chosen
 * kind and the absolute folder to save into (set for scrapes too).  It is
 * emitted when the user presses Add; the dialog closes afterwards. */

SluiceAddDialog *sluice_add_dialog_new           (GtkWindow       *parent,
                                                  GSettings       *settings);

/* Replaces the text, as if pasted; the summary follows after the parse. */
void             sluice_add_dialog_set_text      (SluiceAddDialog *self,
                                                  const char      *text);
/* The whole text, newly allocated (the view may show only part of it). */
char            *sluice_add_dialog_dup_text      (SluiceAddDialog *self);

/* The summary line as shown: "3 URLs · 1 refused", "No URLs yet", … */
const char      *sluice_add_dialog_get_summary   (SluiceAddDialog *self);
/* TRUE when the latest parse found at least one URL. */
gboolean         sluice_add_dialog_get_can_add   (SluiceAddDialog *self);
/* The latest finished parse of the current text, or NULL. */
SluiceUrlList   *sluice_add_dialog_get_url_list  (SluiceAddDialog *self);
/* TRUE while the text has changed since the latest finished parse. */
gboolean         sluice_add_dialog_get_busy      (SluiceAddDialog *self);

SluiceTaskKind   sluice_add_dialog_get_kind      (SluiceAddDialog *self);
void             sluice_add_dialog_set_kind      (SluiceAddDialog *self,
                                                  SluiceTaskKind   kind);

const char      *sluice_add_dialog_get_directory (SluiceAddDialog *self);
void             sluice_add_dialog_set_directory (SluiceAddDialog *self,
                                                  const char      *directory);

G_END_DECLS
