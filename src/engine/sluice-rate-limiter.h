/* sluice-rate-limiter.h: a token bucket (requests per second, bytes per second)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _SluiceRateLimiter SluiceRateLimiter;

/* rate 0 means unlimited.  burst: how many tokens may pile up. */
SluiceRateLimiter *sluice_rate_limiter_new        (double             rate,
                                                   double             burst);
SluiceRateLimiter *sluice_rate_limiter_ref        (SluiceRateLimiter *self);
void               sluice_rate_limiter_unref      (SluiceRateLimiter *self);
void               sluice_rate_limiter_set_rate   (SluiceRateLimiter *self,
                                                   double             rate,
                                                   double             burst);
gboolean           sluice_rate_limiter_is_limited (SluiceRateLimiter *self);
/* Takes up to want tokens (whole ones) now; returns how many it got. */
guint64            sluice_rate_limiter_take       (SluiceRateLimiter *self,
                                                   guint64            want);
/* Milliseconds until at least one token is there (0 if now). */
guint              sluice_rate_limiter_delay_ms   (SluiceRateLimiter *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SluiceRateLimiter, sluice_rate_limiter_unref)

G_END_DECLS
