/* sluice-scrape.h: a scrape's body, parsed as it streams in
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "sluice-sink.h"
#include "sluice-task.h"

G_BEGIN_DECLS

/* Bodies past this are cut off: the task fails as too-large but keeps what
 * was parsed. */
#define SLUICE_SCRAPE_MAX_BYTES (10 * 1024 * 1024)

#define SLUICE_TYPE_SCRAPE (sluice_scrape_get_type ())

G_DECLARE_FINAL_TYPE (SluiceScrape, sluice_scrape, SLUICE, SCRAPE, GObject)

SluiceScrape *sluice_scrape_new (SluiceTask *task);

G_END_DECLS
