/* sluice-application.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define SLUICE_TYPE_APPLICATION (sluice_application_get_type ())

G_DECLARE_FINAL_TYPE (SluiceApplication, sluice_application, SLUICE, APPLICATION, AdwApplication)

SluiceApplication *sluice_application_new (void);

G_END_DECLS
