/* sluice-error.h: the SLUICE_ERROR domain
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SLUICE_ERROR (sluice_error_quark ())

/* What went wrong with a task, in the words the window and the headless
 * output use ("error-kind").  The nick of each value is the stable name. */
typedef enum {
  SLUICE_ERROR_NONE,          /*< nick=none >*/
  SLUICE_ERROR_DNS,           /*< nick=dns >*/
  SLUICE_ERROR_CONNECT,       /*< nick=connect >*/
  SLUICE_ERROR_TLS,           /*< nick=tls >*/
  SLUICE_ERROR_TIMEOUT,       /*< nick=timeout >*/
  SLUICE_ERROR_HTTP_CLIENT,   /*< nick=http-client >*/
  SLUICE_ERROR_HTTP_SERVER,   /*< nick=http-server >*/
  SLUICE_ERROR_RATE_LIMITED,  /*< nick=rate-limited >*/
  SLUICE_ERROR_TOO_LARGE,     /*< nick=too-large >*/
  SLUICE_ERROR_DISK,          /*< nick=disk >*/
  SLUICE_ERROR_INVALID,       /*< nick=invalid >*/
  SLUICE_ERROR_CANCELLED,     /*< nick=cancelled >*/
  SLUICE_ERROR_NETWORK,       /*< nick=network >*/
} SluiceError;

GQuark       sluice_error_quark      (void);
const char  *sluice_error_to_nick    (SluiceError error);

G_END_DECLS
