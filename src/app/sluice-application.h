/* sluice-application.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "sluice-scheduler.h"
#include "sluice-url-list.h"

G_BEGIN_DECLS

#define SLUICE_TYPE_APPLICATION (sluice_application_get_type ())

G_DECLARE_FINAL_TYPE (SluiceApplication, sluice_application, SLUICE, APPLICATION, AdwApplication)

SluiceApplication *sluice_application_new           (void);
SluiceScheduler   *sluice_application_get_scheduler (SluiceApplication *self);
GSettings         *sluice_application_get_settings  (SluiceApplication *self);
/* The folder downloads go to now: the setting, or the XDG download folder. */
char              *sluice_application_dup_download_folder (SluiceApplication *self);
/* Writes the session file now if anything changed since it was saved. */
void               sluice_application_save_session (SluiceApplication *self);

G_END_DECLS
