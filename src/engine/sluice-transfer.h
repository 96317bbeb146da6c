/* sluice-transfer.h: one attempt at one task over HTTP
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "sluice-rate-limiter.h"
#include "sluice-sink.h"
#include "sluice-task.h"

G_BEGIN_DECLS

/* Bytes read per call; large reads are what make libsoup fast (see
 * tests/bench/README.md for the measurements behind the number). */
#define SLUICE_TRANSFER_BUFFER_SIZE (256 * 1024)

#define SLUICE_TYPE_TRANSFER (sluice_transfer_get_type ())

G_DECLARE_FINAL_TYPE (SluiceTransfer, sluice_transfer, SLUICE, TRANSFER, GObject)

SluiceTransfer *sluice_transfer_new        (SoupSession        *session,
                                            SluiceTask         *task,
                                            SluiceSink         *sink,
                                            SluiceRateLimiter  *bandwidth,
                                            guint               timeout_seconds);
SluiceTask     *sluice_transfer_get_task   (SluiceTransfer     *self);
/* The main-loop priority of this transfer's I/O (default G_PRIORITY_DEFAULT). */
void            sluice_transfer_set_io_priority (SluiceTransfer *self,
                                            int                 io_priority);
void            sluice_transfer_run_async  (SluiceTransfer     *self,
                                            GCancellable       *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer            user_data);
/* On failure, *retryable says whether trying again may help, and
 * *retry_after_us is the server's Retry-After as a delay (or -1). */
/* Stops the attempt: it reports a cancellation (from an idle while it
 * reads, so the caller is not re-entered). */
void            sluice_transfer_cancel     (SluiceTransfer     *self);
gboolean        sluice_transfer_run_finish (SluiceTransfer     *self,
                                            GAsyncResult       *result,
                                            gboolean           *retryable,
                                            gint64             *retry_after_us,
                                            GError            **error);

/* Exposed for tests: "120" or an HTTP date → delay in µs, capped at 10 min. */
gint64          sluice_parse_retry_after   (const char         *value);

G_END_DECLS
