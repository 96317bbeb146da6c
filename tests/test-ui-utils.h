/* test-ui-utils.h: looking at and poking a real window in UI tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "sluice-application.h"
#include "sluice-window.h"
#include "test-utils.h"

G_BEGIN_DECLS

/* The start of a UI test program's main(): a data dir of its own
 * (XDG_DATA_HOME, a temporary directory), GTK and libadwaita. */
void       test_ui_init             (int        *argc,
                                     char     ***argv);
/* Runs the tests, removes that data dir; returns g_test_run()'s status. */
int        test_ui_run              (void);

/* Presents the window and runs the loop until it is mapped with a size. */
void       test_ui_present_and_wait (GtkWindow  *window);
/* Runs the main loop for ms milliseconds: layout, paint, timers. */
void       test_ui_settle           (guint       ms);
/* Renders the widget, right after a frame was painted (a live table
 * relayouts often, and mid-layout it renders nothing), into a PNG in the
 * build directory, and logs its path. */
void       test_ui_save_screenshot  (GtkWidget  *widget,
                                     const char *name);

/* The first descendant of root (depth-first, root itself excluded) that
 * match() accepts, or NULL. */
GtkWidget *test_ui_find             (GtkWidget      *root,
                                     gboolean      (*match) (GtkWidget *widget, gconstpointer data),
                                     gconstpointer   data);
/* The first toplevel window that match() accepts, or NULL. */
GtkWindow *test_ui_find_toplevel    (gboolean      (*match) (GtkWindow *window, gconstpointer data),
                                     gconstpointer   data);

/* Widgets found the way a screen reader finds them. */
GtkWidget *test_ui_find_button      (GtkWidget  *root,
                                     const char *tooltip);
/* Whether WIDGET has a tooltip when GTK asks for one (query-tooltip). */
gboolean   test_ui_has_tooltip_now  (GtkWidget  *widget);
GtkWidget *test_ui_find_of_type     (GtkWidget  *root,
                                     GType       type);
/* A template child by its id in the .ui file, or NULL. */
GtkWidget *test_ui_find_by_id       (GtkWidget  *root,
                                     const char *id);
/* The same, failing the test if there is none. */
GtkWidget *test_ui_get_by_id        (gpointer    root,
                                     const char *id);
/* Whether a mapped label or inscription shows text (contains it). */
gboolean   test_ui_shows_text       (GtkWidget  *root,
                                     const char *text);
/* Fails the test if two shown labels under root (or two items of menu)
 * have the same mnemonic letter. */
void       test_ui_assert_unique_mnemonics      (GtkWidget  *root);
void       test_ui_assert_unique_menu_mnemonics (GMenuModel *menu);
/* For test_ui_find (): a shown button whose label (with its mnemonic
 * underscore) is label. */
gboolean   test_ui_is_shown_button              (GtkWidget     *widget,
                                                 gconstpointer  label);
/* The window's main menu (its one GtkMenuButton with a menu model). */
GMenuModel *test_ui_get_primary_menu            (GtkWidget  *window);
/* The program's one SluiceApplication, registered (non-unique), with
 * notifications off. */
SluiceApplication *test_ui_get_application (void);

/* A window over the shared application, with a loopback server and its own
 * download folder; tear-down cancels and clears the scheduler's tasks. */
typedef struct {
  TestServer        *server;
  char              *dir;
  SluiceApplication *app;
  SluiceWindow      *window;
  SluiceScheduler   *scheduler;
} TestWindowFixture;

void        test_window_fixture_set_up    (TestWindowFixture *f,
                                           gconstpointer      data);
void        test_window_fixture_tear_down (TestWindowFixture *f,
                                           gconstpointer      data);
/* Adds server paths as tasks through the window (as the Add dialog does);
 * returns the first new task (a new reference). */
SluiceTask *test_window_add_urls          (TestWindowFixture *f,
                                           SluiceTaskKind     kind,
                                           ...) G_GNUC_NULL_TERMINATED;
/* COUNT loopback URLs /bytes/64?PREFIX=N, then one line that is refused. */
SluiceUrlList *test_window_numbered_urls   (TestWindowFixture *f,
                                           const char        *prefix,
                                           guint              count);

G_END_DECLS
