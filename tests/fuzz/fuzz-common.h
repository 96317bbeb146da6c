/* fuzz-common.h: what every libFuzzer target here shares
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerInitialize (int    *argc,
                          char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

/* A broken invariant is a finding: abort so libFuzzer keeps the input. */
#define FUZZ_CHECK(cond)                                                    \
  G_STMT_START {                                                            \
    if (G_UNLIKELY (!(cond)))                                               \
      {                                                                     \
        g_printerr ("%s:%d: invariant failed: %s\n", __FILE__, __LINE__,  \
                    #cond);                                                 \
        abort ();                                                           \
      }                                                                     \
  } G_STMT_END

/* Criticals (a g_return_if_fail hit) and warnings are findings too. */
static inline void
fuzz_init_glib (void)
{
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING | G_LOG_FATAL_MASK);
  g_setenv ("G_MESSAGES_DEBUG", "", TRUE);
}

/* A tiny deterministic generator for chunk sizes: the same input always
 * splits the same way, so a crash reproduces. */
static inline guint32
fuzz_next_random (guint64 *state)
{
  *state = *state * G_GUINT64_CONSTANT (6364136223846793005) + G_GUINT64_CONSTANT (1442695040888963407);
  return (guint32) (*state >> 33);
}

/* No control characters (C0, DEL, C1) and no bidi controls. */
static inline gboolean
fuzz_text_is_clean (const char *text)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c < 0x20 || (c >= 0x7f && c <= 0x9f) ||
          (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069))
        return FALSE;
    }
  return TRUE;
}
