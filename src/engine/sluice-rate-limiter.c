/* sluice-rate-limiter.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "sluice-rate-limiter.h"

struct _SluiceRateLimiter
{
  double rate;    /* tokens per second; 0 = unlimited */
  double burst;
  double tokens;
  gint64 updated; /* monotonic µs */
};

SluiceRateLimiter *
sluice_rate_limiter_new (double rate,
                         double burst)
{
  SluiceRateLimiter *self = g_rc_box_new0 (SluiceRateLimiter);

  sluice_rate_limiter_set_rate (self, rate, burst);
  self->tokens = self->burst;
  return self;
}

SluiceRateLimiter *
sluice_rate_limiter_ref (SluiceRateLimiter *self)
{
  return g_rc_box_acquire (self);
}

void
sluice_rate_limiter_unref (SluiceRateLimiter *self)
{
  g_rc_box_release (self);
}

void
sluice_rate_limiter_set_rate (SluiceRateLimiter *self,
                              double             rate,
                              double             burst)
{
  self->rate = MAX (rate, 0);
  self->burst = MAX (burst, 1);
  self->tokens = MIN (self->tokens, self->burst);
  self->updated = g_get_monotonic_time ();
}

gboolean
sluice_rate_limiter_is_limited (SluiceRateLimiter *self)
{
  return self->rate > 0;
}

static void
refill (SluiceRateLimiter *self)
{
  gint64 now = g_get_monotonic_time ();

  self->tokens = MIN (self->burst,
                      self->tokens + self->rate * (double) (now - self->updated) / G_USEC_PER_SEC);
  self->updated = now;
}

guint64
sluice_rate_limiter_take (SluiceRateLimiter *self,
                          guint64            want)
{
  guint64 got;

  if (self->rate <= 0)
    return want;

  refill (self);
  got = (guint64) MIN ((double) want, floor (self->tokens));
  self->tokens -= (double) got;
  return got;
}

guint
sluice_rate_limiter_delay_ms (SluiceRateLimiter *self)
{
  if (self->rate <= 0)
    return 0;

  refill (self);
  if (self->tokens >= 1)
    return 0;
  return (guint) ceil ((1 - self->tokens) * 1000 / self->rate);
}
