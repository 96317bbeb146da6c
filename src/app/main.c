/* main.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <string.h>

#include "sluice-application.h"
#include "sluice-headless.h"

static gboolean
wants_headless (int    argc,
                char **argv)
{
  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--") == 0)
        return FALSE;
      if (strcmp (argv[i], "--headless") == 0)
        return TRUE;
    }
  return FALSE;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(SluiceApplication) app = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* The headless runner never touches GTK, so it works without a display. */
  if (wants_headless (argc, argv))
    return sluice_headless_run (argc, argv);

  app = sluice_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
