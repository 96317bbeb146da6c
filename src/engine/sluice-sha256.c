/* sluice-sha256.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "sluice-sha256.h"

#if HAVE_NETTLE
#include <nettle/sha2.h>
#endif

struct _SluiceSha256
{
#if HAVE_NETTLE
  struct sha256_ctx  context;
#else
  GChecksum         *checksum;
#endif
  char               hex[65];
  gboolean           finished;
};

SluiceSha256 *
sluice_sha256_new (void)
{
  SluiceSha256 *self = g_new0 (SluiceSha256, 1);

#if !HAVE_NETTLE
  self->checksum = g_checksum_new (G_CHECKSUM_SHA256);
#endif
  sluice_sha256_reset (self);
  return self;
}

void
sluice_sha256_free (SluiceSha256 *self)
{
  if (self == NULL)
    return;
#if !HAVE_NETTLE
  g_checksum_free (self->checksum);
#endif
  g_free (self);
}

void
sluice_sha256_reset (SluiceSha256 *self)
{
#if HAVE_NETTLE
  sha256_init (&self->context);
#else
  g_checksum_reset (self->checksum);
#endif
  self->finished = FALSE;
  self->hex[0] = '\0';
}

void
sluice_sha256_update (SluiceSha256 *self,
                      const guint8 *data,
                      gsize         length)
{
  g_return_if_fail (!self->finished);

#if HAVE_NETTLE
  sha256_update (&self->context, length, data);
#else
  /* GChecksum takes a gssize length. */
  while (length > 0)
    {
      gsize part = MIN (length, (gsize) G_MAXSSIZE);

      g_checksum_update (self->checksum, data, (gssize) part);
      data += part;
      length -= part;
    }
#endif
}

const char *
sluice_sha256_get_string (SluiceSha256 *self)
{
  if (!self->finished)
    {
#if HAVE_NETTLE
      guint8 digest[SHA256_DIGEST_SIZE];
      static const char digits[] = "0123456789abcdef";

      sha256_digest (&self->context, sizeof digest, digest);
      for (guint i = 0; i < sizeof digest; i++)
        {
          self->hex[2 * i] = digits[digest[i] >> 4];
          self->hex[2 * i + 1] = digits[digest[i] & 0xf];
        }
      self->hex[64] = '\0';
#else
      g_strlcpy (self->hex, g_checksum_get_string (self->checksum), sizeof self->hex);
#endif
      self->finished = TRUE;
    }
  return self->hex;
}
