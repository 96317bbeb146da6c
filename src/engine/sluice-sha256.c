/* sluice-sha256.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "sluice-sha256.h"

#if HAVE_NETTLE
#include <nettle/sha2.h>
#endif

/* Past this many bytes, hashing moves to a worker thread: a large download
 * then reads and writes on the main thread while another core hashes.  Small
 * files stay inline, where a thread hand-off would cost more than it saves. */
#define ASYNC_AFTER_BYTES (64 * 1024)
/* Chunks queued at most; beyond, update() waits (back-pressure). */
#define MAX_QUEUED_BYTES (8 * 1024 * 1024)

struct _SluiceSha256
{
#if HAVE_NETTLE
  struct sha256_ctx  context;
#else
  GChecksum         *checksum;
#endif
  char               hex[65];
  gboolean           finished;
  guint64            hashed_inline;

  /* Worker hand-off: chunks in order, drained by at most one pool thread. */
  GMutex             lock;
  GCond              drained;
  GQueue             chunks;         /* GBytes* */
  gsize              queued_bytes;
  gboolean           worker_active;
};

static GThreadPool *hash_pool;

/* Threads that may hash beside the one downloading (none on one core),
 * asked of the system once: update() runs for every chunk. */
static guint
hash_threads (void)
{
  static gsize n_processors;

  if (g_once_init_enter (&n_processors))
    g_once_init_leave (&n_processors, MAX (g_get_num_processors (), 1));
  return (guint) n_processors - 1;
}

static void
hash_inline (SluiceSha256 *self,
             const guint8 *data,
             gsize         length)
{
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

/* On a pool thread: hash queued chunks until none is left. */
static void
drain (gpointer data,
       gpointer user_data)
{
  SluiceSha256 *self = data;

  g_mutex_lock (&self->lock);
  for (;;)
    {
      g_autoptr(GBytes) chunk = g_queue_pop_head (&self->chunks);
      gsize size;

      if (chunk == NULL)
        break;
      size = g_bytes_get_size (chunk);
      g_mutex_unlock (&self->lock);
      hash_inline (self, g_bytes_get_data (chunk, NULL), size);
      g_mutex_lock (&self->lock);
      self->queued_bytes -= size;
      g_cond_broadcast (&self->drained);
    }
  self->worker_active = FALSE;
  g_cond_broadcast (&self->drained);
  g_mutex_unlock (&self->lock);
}

/* Blocks until the worker has hashed everything handed to it. */
static void
wait_drained (SluiceSha256 *self)
{
  g_mutex_lock (&self->lock);
  while (self->worker_active || self->chunks.length > 0)
    g_cond_wait (&self->drained, &self->lock);
  g_mutex_unlock (&self->lock);
}

SluiceSha256 *
sluice_sha256_new (void)
{
  SluiceSha256 *self = g_new0 (SluiceSha256, 1);

  g_mutex_init (&self->lock);
  g_cond_init (&self->drained);
  g_queue_init (&self->chunks);

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
  wait_drained (self);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->drained);
#if !HAVE_NETTLE
  g_checksum_free (self->checksum);
#endif
  g_free (self);
}

void
sluice_sha256_reset (SluiceSha256 *self)
{
  wait_drained (self);
  self->hashed_inline = 0;
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
  gboolean start_worker;

  g_return_if_fail (!self->finished);

  if (self->hashed_inline < ASYNC_AFTER_BYTES || hash_threads () == 0)
    {
      self->hashed_inline += length;
      hash_inline (self, data, length);
      return;
    }

  if (g_once_init_enter (&hash_pool))
    g_once_init_leave (&hash_pool, g_thread_pool_new (drain, NULL, hash_threads (), FALSE, NULL));

  g_mutex_lock (&self->lock);
  while (self->queued_bytes + length > MAX_QUEUED_BYTES && self->queued_bytes > 0)
    g_cond_wait (&self->drained, &self->lock);
  g_queue_push_tail (&self->chunks, g_bytes_new (data, length));
  self->queued_bytes += length;
  start_worker = !self->worker_active;
  self->worker_active = TRUE;
  g_mutex_unlock (&self->lock);

  if (start_worker)
    g_thread_pool_push (hash_pool, self, NULL);
}

const char *
sluice_sha256_get_string (SluiceSha256 *self)
{
  wait_drained (self);
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
