/* sluice-sha256.h: SHA-256 as fast as the machine allows
 *
 * GChecksum's SHA-256 runs at ~180 MB/s here, slower than a download over
 * a fast network; nettle uses the CPU's SHA instructions (~1 GB/s and
 * more).  Without nettle, GChecksum does the work.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _SluiceSha256 SluiceSha256;

SluiceSha256 *sluice_sha256_new        (void);
void          sluice_sha256_free       (SluiceSha256 *self);
void          sluice_sha256_reset      (SluiceSha256 *self);
void          sluice_sha256_update     (SluiceSha256 *self,
                                        const guint8 *data,
                                        gsize         length);
/* Lowercase hex of everything so far; after this, only reset() may follow
 * (as with GChecksum). */
const char   *sluice_sha256_get_string (SluiceSha256 *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SluiceSha256, sluice_sha256_free)

G_END_DECLS
