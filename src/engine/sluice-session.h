/* sluice-session.h: a scheduler's tasks saved to a file, and restored
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "sluice-scheduler.h"

G_BEGIN_DECLS

/* The newest shape of the file this code writes; older ones are read. */
#define SLUICE_SESSION_VERSION 1

#define SLUICE_TYPE_SESSION (sluice_session_get_type ())

G_DECLARE_FINAL_TYPE (SluiceSession, sluice_session, SLUICE, SESSION, GObject)

/* file must be a local file; FILE.journal is kept next to it.  One session
 * per scheduler. */
SluiceSession   *sluice_session_new           (SluiceScheduler  *scheduler,
                                               GFile            *file);
SluiceScheduler *sluice_session_get_scheduler (SluiceSession    *self);
GFile           *sluice_session_get_file      (SluiceSession    *self);

/* Restores the saved tasks into the scheduler (call it once, typically
 * right after turning autosave on): finished ones with their
 * results, unfinished ones queued (downloads resume from their .part).  A
 * missing file is an empty session.  A file that cannot be read or parsed
 * is moved aside to FILE.broken-YYYYmmdd-HHMMSS and FALSE returned, with
 * an error (SLUICE_ERROR) to show; the scheduler stays usable. */
gboolean         sluice_session_load          (SluiceSession    *self,
                                               GError          **error);
/* Writes every task now, atomically (temporary file, fsync, rename). */
gboolean         sluice_session_save          (SluiceSession    *self,
                                               GError          **error);
/* Saves if anything changed since the last save. */
gboolean         sluice_session_flush         (SluiceSession    *self,
                                               GError          **error);

/* With autosave, added tasks, state changes and results are saved at most
 * once a second, and the moments a download's file changes on disk are
 * written down at once in the journal, so a crash loses nothing. */
gboolean         sluice_session_get_autosave  (SluiceSession    *self);
void             sluice_session_set_autosave  (SluiceSession    *self,
                                               gboolean          autosave);

/* How many times the file was written (for tests). */
guint            sluice_session_get_n_saves   (SluiceSession    *self);
/* Whether an autosave is being written in the background right now. */
gboolean         sluice_session_get_saving    (SluiceSession    *self);

G_END_DECLS
