/* sluice-download.h: a download's file: NAME.part, resume, rename on success
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "sluice-sink.h"
#include "sluice-task.h"

G_BEGIN_DECLS

#define SLUICE_TYPE_DOWNLOAD (sluice_download_get_type ())

G_DECLARE_FINAL_TYPE (SluiceDownload, sluice_download, SLUICE, DOWNLOAD, GObject)

/* reserved_names: final paths that running downloads have claimed, shared
 * by every download of one scheduler so no two pick the same name. */
SluiceDownload *sluice_download_new              (SluiceTask  *task,
                                                  const char  *directory,
                                                  GHashTable  *reserved_names);
const char     *sluice_download_get_part_path    (SluiceDownload *self);
gint64          sluice_download_get_offset       (SluiceDownload *self);

G_END_DECLS
