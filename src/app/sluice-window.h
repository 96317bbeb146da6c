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

SluiceWindow *sluice_window_new (SluiceApplication *application);

G_END_DECLS
