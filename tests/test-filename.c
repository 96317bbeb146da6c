/* test-filename.c: sanitising, Content-Disposition, URL fallbacks, counters
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#include "sluice-filename.h"

#define NAME_MAX_255 255

static void
assert_sanitized (const char *name,
                  const char *expected)
{
  g_autofree char *result = sluice_filename_sanitize (name, NAME_MAX_255);

  g_assert_cmpstr (result, ==, expected);
}

/* What every result of sluice_filename_sanitize() must be. */
static void
assert_safe_name (const char *name,
                  gsize       name_max)
{
  g_assert_nonnull (name);
  g_assert_cmpuint (strlen (name), >, 0);
  g_assert_cmpuint (strlen (name), <=, name_max);
  g_assert_true (g_utf8_validate (name, -1, NULL));
  g_assert_null (strchr (name, '/'));
  g_assert_null (strchr (name, '\\'));
  g_assert_cmpint (name[0], !=, '.');
  g_assert_cmpint (name[0], !=, '-');
  g_assert_cmpstr (name, !=, "..");

  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      g_assert_false (c < 0x20 || (c >= 0x7f && c <= 0x9f));
      g_assert_false (c >= 0x202a && c <= 0x202e);
      g_assert_false (c >= 0x2066 && c <= 0x2069);
      g_assert_false (c == 0x200e || c == 0x200f || c == 0x061c);
    }
}

static void
test_sanitize_traversal (void)
{
  assert_sanitized ("plain.txt", "plain.txt");
  assert_sanitized ("../../etc/passwd", "passwd");
  assert_sanitized ("/etc/passwd", "passwd");
  assert_sanitized ("..\\..\\windows\\system32\\cmd.exe", "cmd.exe");
  assert_sanitized ("C:\\x\\y.txt", "y.txt");
  assert_sanitized ("C:y.txt", "y.txt");
  assert_sanitized ("dir\\sub/mixed.bin", "mixed.bin");
  /* the last non-empty component */
  assert_sanitized ("some/dir/", "dir");
  assert_sanitized ("c:", NULL);
  assert_sanitized ("a/b/..", NULL);
  assert_sanitized ("/", NULL);
  assert_sanitized ("\\", NULL);
  assert_sanitized ("../", NULL);
  assert_sanitized ("..\\..", NULL);
}

static void
test_sanitize_leading (void)
{
  assert_sanitized (".bashrc", "bashrc");
  assert_sanitized ("...hidden.txt", "hidden.txt");
  assert_sanitized ("-rf", "rf");
  assert_sanitized ("--help.txt", "help.txt");
  assert_sanitized (" - .x", "x");
  assert_sanitized ("  spaced name.pdf \t ", "spaced name.pdf");
  assert_sanitized ("\xe3\x80\x80wide space.txt", "wide space.txt");
  assert_sanitized ("a-b.c", "a-b.c");
  assert_sanitized ("a..b", "a..b");
  assert_sanitized ("trailing.dot.", "trailing.dot.");
  assert_sanitized ("dir/.hidden", "hidden");

  assert_sanitized ("", NULL);
  assert_sanitized (".", NULL);
  assert_sanitized ("..", NULL);
  assert_sanitized ("...", NULL);
  assert_sanitized ("-", NULL);
  assert_sanitized ("   ", NULL);
  assert_sanitized (". - .", NULL);
}

static void
test_sanitize_controls (void)
{
  assert_sanitized ("a\tb\nc\rd.txt", "abcd.txt");
  assert_sanitized ("bell\x07.txt", "bell.txt");
  assert_sanitized ("del\x7f.txt", "del.txt");
  assert_sanitized ("c1\xc2\x85\xc2\x9b.txt", "c1.txt");
  assert_sanitized ("\x1b[31mred.txt", "[31mred.txt");
  assert_sanitized ("line\xe2\x80\xa8sep.txt", "linesep.txt");
  assert_sanitized ("\xef\xbb\xbf" "bom.txt", "bom.txt");
  assert_sanitized ("\x01\x02\x03", NULL);
  /* a control character between a separator and the name */
  assert_sanitized ("x/\x01", "x");
}

static void
test_sanitize_bidi (void)
{
  static const char * const controls[] = {
    "\xe2\x80\xaa", "\xe2\x80\xab", "\xe2\x80\xac", "\xe2\x80\xad", "\xe2\x80\xae",  /* U+202A–E */
    "\xe2\x81\xa6", "\xe2\x81\xa7", "\xe2\x81\xa8", "\xe2\x81\xa9",                  /* U+2066–9 */
    "\xe2\x80\x8e", "\xe2\x80\x8f",                                                  /* LRM, RLM */
    "\xd8\x9c",                                                                      /* ALM */
    NULL
  };

  /* "invoice" U+202E "fdp.exe" shows as "invoiceexe.pdf" */
  assert_sanitized ("invoice\xe2\x80\xae" "fdp.exe", "invoicefdp.exe");

  for (guint i = 0; controls[i] != NULL; i++)
    {
      g_autofree char *name = g_strconcat (controls[i], "a", controls[i], "b.txt", controls[i], NULL);

      assert_sanitized (name, "ab.txt");
    }

  /* joiners are part of emoji and some scripts, and stay */
  assert_sanitized ("\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9.png",
                    "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9.png");
  assert_sanitized ("\xd9\x85\xd8\xb3\xd8\xaa\xd9\x86\xd8\xaf.pdf",
                    "\xd9\x85\xd8\xb3\xd8\xaa\xd9\x86\xd8\xaf.pdf");
}

static void
test_sanitize_utf8 (void)
{
  assert_sanitized ("\xe6\x97\xa5\xe6\x9c\xac.txt", "\xe6\x97\xa5\xe6\x9c\xac.txt");
  /* Latin-1 "café.txt" */
  assert_sanitized ("caf\xe9.txt", "caf\xef\xbf\xbd.txt");
  /* an overlong '/' must not become a separator */
  assert_sanitized ("a\xc0\xaf" "b", "a\xef\xbf\xbd\xef\xbf\xbd" "b");
}

static void
test_sanitize_long (void)
{
  g_autoptr(GString) name = g_string_new (NULL);
  g_autofree char *result = NULL;

  /* 2-byte characters, extension kept */
  for (guint i = 0; i < 300; i++)
    g_string_append (name, "\xc3\xa9");
  g_string_append (name, ".pdf");
  result = sluice_filename_sanitize (name->str, NAME_MAX_255);
  assert_safe_name (result, NAME_MAX_255);
  g_assert_true (g_str_has_suffix (result, "\xc3\xa9.pdf"));
  g_assert_cmpuint (strlen (result), ==, 254);
  g_clear_pointer (&result, g_free);

  /* 3-byte characters and a double extension */
  g_string_truncate (name, 0);
  for (guint i = 0; i < 100; i++)
    g_string_append (name, "\xe2\x82\xac");
  g_string_append (name, ".tar.gz");
  result = sluice_filename_sanitize (name->str, NAME_MAX_255);
  assert_safe_name (result, NAME_MAX_255);
  g_assert_true (g_str_has_suffix (result, "\xe2\x82\xac.tar.gz"));
  g_assert_cmpuint (strlen (result), ==, 253);
  g_clear_pointer (&result, g_free);

  /* a 4-byte character straddling the limit */
  g_string_truncate (name, 0);
  for (guint i = 0; i < 250; i++)
    g_string_append_c (name, 'a');
  g_string_append (name, "\xf0\x9f\x98\x80\xf0\x9f\x98\x80.txt");
  result = sluice_filename_sanitize (name->str, NAME_MAX_255);
  assert_safe_name (result, NAME_MAX_255);
  g_assert_cmpuint (strlen (result), ==, 254);
  g_assert_true (g_str_has_suffix (result, "aaaa.txt"));
  g_clear_pointer (&result, g_free);

  /* no extension: the whole name is cut */
  g_string_truncate (name, 0);
  for (guint i = 0; i < 300; i++)
    g_string_append_c (name, 'a');
  result = sluice_filename_sanitize (name->str, NAME_MAX_255);
  g_assert_cmpuint (strlen (result), ==, 255);
  g_clear_pointer (&result, g_free);

  /* a cut stem loses its trailing space */
  result = sluice_filename_sanitize ("abc def.txt", 8);
  g_assert_cmpstr (result, ==, "abc.txt");
  g_clear_pointer (&result, g_free);

  /* small limits */
  result = sluice_filename_sanitize ("abcdef.txt", 6);
  g_assert_cmpstr (result, ==, "ab.txt");
  g_clear_pointer (&result, g_free);
  result = sluice_filename_sanitize ("abc.torrent", 5);
  g_assert_cmpstr (result, ==, "abc.t");
  g_clear_pointer (&result, g_free);
  result = sluice_filename_sanitize ("\xe6\x97\xa5\xe6\x9c\xac", 2);
  g_assert_null (result);
}

static void
assert_disposition (const char *header,
                    const char *expected)
{
  g_autofree char *result = sluice_filename_from_content_disposition (header);

  g_assert_cmpstr (result, ==, expected);
}

static void
test_disposition_plain (void)
{
  assert_disposition ("attachment; filename=report.pdf", "report.pdf");
  assert_disposition ("attachment; filename=\"report 2024.pdf\"", "report 2024.pdf");
  assert_disposition ("attachment; filename=\"a\\\"b\\\\c.txt\"", "a\"b\\c.txt");
  assert_disposition ("attachment; filename=\"semi;colon.txt\"", "semi;colon.txt");
  assert_disposition ("attachment;filename=plain;size=12", "plain");
  assert_disposition ("ATTACHMENT; FILENAME=\"UPPER.TXT\"", "UPPER.TXT");
  assert_disposition ("inline; filename=my file.pdf  ", "my file.pdf");
  assert_disposition ("attachment; filename = \"spaced.txt\"", "spaced.txt");
  assert_disposition ("filename=\"no-type.bin\"", "no-type.bin");
  assert_disposition ("attachment; foo=\"x;filename=evil\"; filename=good", "good");
  assert_disposition ("attachment; filename=first.txt; filename=second.txt", "first.txt");
  /* raw UTF-8, and raw ISO-8859-1 as RFC 6266 has it */
  assert_disposition ("attachment; filename=\"caf\xc3\xa9.txt\"", "caf\xc3\xa9.txt");
  assert_disposition ("attachment; filename=\"caf\xe9.txt\"", "caf\xc3\xa9.txt");
  /* not sanitised here */
  assert_disposition ("attachment; filename=\"../../x.sh\"", "../../x.sh");

  assert_disposition ("attachment; filename=\"\"", NULL);
  assert_disposition ("attachment; filename=", NULL);
  assert_disposition ("attachment", NULL);
  assert_disposition ("inline", NULL);
  assert_disposition ("", NULL);
  assert_disposition ("attachment; xfilename=x.txt", NULL);
  assert_disposition ("attachment; filenamex=x.txt", NULL);
}

static void
test_disposition_extended (void)
{
  g_autofree char *sjis = NULL;

  assert_disposition ("attachment; filename*=UTF-8''%E2%82%AC%20rates.pdf", "\xe2\x82\xac rates.pdf");
  assert_disposition ("attachment; filename*=utf-8'en'%C3%A9t%C3%A9.txt", "\xc3\xa9t\xc3\xa9.txt");
  assert_disposition ("attachment; filename*=ISO-8859-1''%A3%20rates.txt", "\xc2\xa3 rates.txt");
  assert_disposition ("attachment; filename*=iso-8859-1'de'Gr%FC%DFe.txt", "Gr\xc3\xbc\xc3\x9f" "e.txt");
  /* other charsets through g_convert */
  assert_disposition ("attachment; filename*=ISO-8859-15''%A4uro.txt", "\xe2\x82\xacuro.txt");
  assert_disposition ("attachment; filename*=windows-1252''%80.txt", "\xe2\x82\xac.txt");
  sjis = sluice_filename_from_content_disposition ("attachment; filename*=Shift_JIS''%93%FA%96%7B.txt");
  if (sjis != NULL)
    g_assert_cmpstr (sjis, ==, "\xe6\x97\xa5\xe6\x9c\xac.txt");
  else
    g_test_message ("iconv has no Shift_JIS here");
  /* lenient: quoted, and lowercase escapes */
  assert_disposition ("attachment; filename*=\"UTF-8''quoted%2etxt\"", "quoted.txt");
}

static void
test_disposition_preferred (void)
{
  assert_disposition ("attachment; filename=\"fallback.pdf\"; filename*=UTF-8''%E2%82%AC.pdf", "\xe2\x82\xac.pdf");
  assert_disposition ("attachment; filename*=UTF-8''%E2%82%AC.pdf; filename=\"fallback.pdf\"", "\xe2\x82\xac.pdf");
  assert_disposition ("attachment; FILENAME*=utf-8''x.pdf; filename=y.pdf", "x.pdf");
}

static void
test_disposition_extended_invalid (void)
{
  const char *bad[] = {
    "UTF-8''%FF%FE.pdf",          /* not UTF-8 */
    "UTF-8''%E2%82.pdf",          /* truncated sequence */
    "UTF-8''%zz.pdf",             /* bad escape */
    "UTF-8''abc%4",               /* escape cut short */
    "UTF-8''a%00b",               /* NUL */
    "no-quotes.pdf",
    "UTF-8'only-one-quote",
    "''no-charset",
    "x-no-such-charset''abc",
    "../../etc/charset''abc",      /* not a charset name */
    "UTF-8''",                    /* empty */
    NULL
  };

  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_autofree char *with_fallback = g_strdup_printf ("attachment; filename*=%s; filename=fallback.pdf", bad[i]);
      g_autofree char *alone = g_strdup_printf ("attachment; filename*=%s", bad[i]);

      assert_disposition (with_fallback, "fallback.pdf");
      assert_disposition (alone, NULL);
    }

  /* a later good filename* still counts */
  assert_disposition ("attachment; filename*=UTF-8''%FF; filename*=UTF-8''ok.txt", "ok.txt");
}

static void
test_disposition_garbage (void)
{
  assert_disposition ("attachment; filename=\"unterminated", NULL);
  assert_disposition ("attachment; filename=\"unterminated; filename*=UTF-8''x", NULL);
  assert_disposition ("attachment; filename=\"trailing backslash\\", NULL);
  assert_disposition ("attachment; filename", NULL);
  assert_disposition ("attachment; filename*", NULL);
  assert_disposition ("attachment; =value", NULL);
  assert_disposition (";;;;", NULL);
  assert_disposition ("\"\"\"\"", NULL);
  assert_disposition ("=", NULL);
  assert_disposition ("\"", NULL);
  assert_disposition ("\\", NULL);
  assert_disposition ("attachment; filename=\"ok.txt\" garbage \"quoted;\"; size=1", "ok.txt");
  assert_disposition ("attachment; \"filename=no\"; filename=yes", "yes");
  assert_disposition ("\x01\xff\xfe; filename=\x01\xff", "\x01\xc3\xbf");
}

/* Random bytes biased towards what the parsers look at.  No crash, and
 * every result keeps its promises. */
static void
test_fuzz (void)
{
  static const char * const pieces[] = {
    "\"", "\\", ";", "=", "'", "%", "*", " ", "\t", "/", ".", "..", "-",
    "filename", "filename*", "UTF-8", "ISO-8859-1", "''", "%E2", "%82", "%AC",
    "%2F", "%00", "%zz", "\xe2\x80\xae", "\xc3", "\xa9", "\xff", "\x01", "\x7f",
    "\xc2\x85", "a", "b", "tar", ".gz", "C:", "\xf0\x9f\x98\x80",
  };
  guint iterations = g_test_thorough () ? 200000 : 20000;

  for (guint i = 0; i < iterations; i++)
    {
      g_autoptr(GString) input = g_string_new (NULL);
      guint n = g_test_rand_int_range (0, 24);
      gsize name_max = g_test_rand_int_range (1, 40);
      g_autofree char *from_header = NULL;
      g_autofree char *sanitized = NULL;
      g_autofree char *response = NULL;
      g_autofree char *counted = NULL;
      g_autoptr(GUri) uri = NULL;
      g_autofree char *escaped = NULL;
      g_autofree char *url = NULL;

      for (guint j = 0; j < n; j++)
        {
          if (g_test_rand_bit ())
            g_string_append (input, pieces[g_test_rand_int_range (0, G_N_ELEMENTS (pieces))]);
          else
            g_string_append_c (input, (char) g_test_rand_int_range (1, 256));
        }

      from_header = sluice_filename_from_content_disposition (input->str);
      if (from_header != NULL)
        g_assert_true (g_utf8_validate (from_header, -1, NULL));

      sanitized = sluice_filename_sanitize (input->str, name_max);
      if (sanitized != NULL)
        {
          assert_safe_name (sanitized, name_max);
          counted = sluice_filename_with_counter (sanitized, g_test_rand_int_range (0, 100000), name_max);
          g_assert_cmpuint (strlen (counted), <=, name_max);
          g_assert_cmpuint (strlen (counted), >, 0);
          g_assert_true (g_utf8_validate (counted, -1, NULL));
        }

      escaped = g_uri_escape_string (input->str, "%/", FALSE);
      url = g_strconcat ("http://h.example/", escaped, NULL);
      uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
      if (uri != NULL)
        {
          response = sluice_filename_for_response (input->str, uri, name_max);
          assert_safe_name (response, name_max);
        }
    }
}

static void
assert_response (const char *disposition,
                 const char *url,
                 GUriFlags   flags,
                 const char *expected)
{
  g_autoptr(GUri) uri = g_uri_parse (url, flags, NULL);
  g_autofree char *result = NULL;

  g_assert_nonnull (uri);
  result = sluice_filename_for_response (disposition, uri, NAME_MAX_255);
  assert_safe_name (result, NAME_MAX_255);
  g_assert_cmpstr (result, ==, expected);
}

static void
test_for_response (void)
{
  const GUriFlags enc = G_URI_FLAGS_ENCODED;
  g_autoptr(GUri) uri = NULL;
  g_autofree char *small = NULL;

  /* Content-Disposition first, sanitised */
  assert_response ("attachment; filename=\"../../x.pdf\"", "http://h.example/y.bin", enc, "x.pdf");
  assert_response ("attachment; filename*=UTF-8''%E2%80%AE" "fdp.exe", "http://h.example/y.bin", enc, "fdp.exe");
  assert_response ("attachment; filename=\"a/b\\\\c.txt\"", "http://h.example/y.bin", enc, "c.txt");
  /* unusable Content-Disposition → URL */
  assert_response ("attachment; filename=\"unterminated", "http://h.example/y.bin", enc, "y.bin");
  assert_response ("attachment; filename=\"..\"", "http://h.example/y.bin", enc, "y.bin");
  assert_response ("inline", "http://h.example/y.bin", enc, "y.bin");

  /* URL fallbacks */
  assert_response (NULL, "http://h.example/dir/file.zip?x=1#frag", enc, "file.zip");
  assert_response (NULL, "http://h.example/", enc, "download");
  assert_response (NULL, "http://h.example", enc, "download");
  assert_response (NULL, "http://h.example/dir/", enc, "dir");
  assert_response (NULL, "http://h.example//", enc, "download");
  assert_response (NULL, "http://h.example/%E2%82%AC%20rates.pdf", enc, "\xe2\x82\xac rates.pdf");
  assert_response (NULL, "http://h.example/%2E%2E", enc, "download");
  assert_response (NULL, "http://h.example/.hidden", enc, "hidden");
  assert_response (NULL, "http://h.example/%FF.bin", enc, "\xef\xbf\xbd.bin");
  /* a %2F inside a segment never becomes a separator */
  assert_response (NULL, "http://h.example/dir/a%2Fb.pdf", enc, "a_b.pdf");
  assert_response (NULL, "http://h.example/a%5Cb.pdf", enc, "a_b.pdf");
  assert_response (NULL, "http://h.example/..%2F..%2Fetc%2Fpasswd", enc, "_.._etc_passwd");
  assert_response (NULL, "http://h.example/a%00b", enc, "a_b");
  /* a GUri that decoded the path itself: the '/' is already there, and only
   * the last component is used */
  assert_response (NULL, "http://h.example/dir/a%2Fb.pdf", G_URI_FLAGS_NONE, "b.pdf");
  assert_response (NULL, "http://h.example/%E2%82%AC.pdf", G_URI_FLAGS_NONE, "\xe2\x82\xac.pdf");
  assert_response (NULL, "http://h.example/x.pdf", G_URI_FLAGS_ENCODED_PATH, "x.pdf");

  /* the fallback is cut too */
  uri = g_uri_parse ("http://h.example/", enc, NULL);
  small = sluice_filename_for_response (NULL, uri, 4);
  g_assert_cmpstr (small, ==, "down");
}

static void
assert_counter (const char *name,
                guint       n,
                gsize       name_max,
                const char *expected)
{
  g_autofree char *result = sluice_filename_with_counter (name, n, name_max);

  g_assert_cmpstr (result, ==, expected);
  g_assert_cmpuint (strlen (result), <=, name_max);
  g_assert_true (g_utf8_validate (result, -1, NULL));
}

static void
test_counter (void)
{
  g_autoptr(GString) name = g_string_new (NULL);
  g_autoptr(GString) expected = g_string_new (NULL);

  assert_counter ("report.pdf", 1, 255, "report (1).pdf");
  assert_counter ("archive.tar.gz", 2, 255, "archive (2).tar.gz");
  assert_counter ("archive.TAR.XZ", 3, 255, "archive (3).TAR.XZ");
  assert_counter ("a.tar.zst", 4, 255, "a (4).tar.zst");
  assert_counter ("backup.tar.bz2", 10, 255, "backup (10).tar.bz2");
  assert_counter ("data.gz", 2, 255, "data (2).gz");
  assert_counter ("notes.txt.gz", 2, 255, "notes.txt (2).gz");
  assert_counter ("README", 2, 255, "README (2)");
  assert_counter ("Report v2.5 final", 2, 255, "Report v2.5 final (2)");
  assert_counter ("name.", 2, 255, "name. (2)");
  assert_counter ("tar.gz", 2, 255, "tar (2).gz");
  assert_counter ("x.tgz", 7, 255, "x (7).tgz");

  /* a dotfile has lost its dot by now */
  {
    g_autofree char *sanitized = sluice_filename_sanitize (".bashrc", 255);

    assert_counter (sanitized, 2, 255, "bashrc (2)");
  }
  {
    g_autofree char *sanitized = sluice_filename_sanitize (".config.tar.gz", 255);

    assert_counter (sanitized, 2, 255, "config (2).tar.gz");
  }

  /* exactly full: the stem gives way */
  for (guint i = 0; i < 251; i++)
    g_string_append_c (name, 'a');
  g_string_append (name, ".pdf");
  for (guint i = 0; i < 246; i++)
    g_string_append_c (expected, 'a');
  g_string_append (expected, " (12).pdf");
  assert_counter (name->str, 12, 255, expected->str);

  /* 2-byte characters and a double extension */
  g_string_truncate (name, 0);
  g_string_truncate (expected, 0);
  for (guint i = 0; i < 127; i++)
    g_string_append (name, "\xc3\xa9");
  g_string_append (name, ".tar.gz");
  for (guint i = 0; i < 122; i++)
    g_string_append (expected, "\xc3\xa9");
  g_string_append (expected, " (2).tar.gz");
  assert_counter (name->str, 2, 255, expected->str);

  /* 3-byte characters: cut on a boundary, one byte to spare */
  g_string_truncate (name, 0);
  g_string_truncate (expected, 0);
  for (guint i = 0; i < 84; i++)
    g_string_append (name, "\xe2\x82\xac");
  g_string_append (name, ".txt");
  for (guint i = 0; i < 82; i++)
    g_string_append (expected, "\xe2\x82\xac");
  g_string_append (expected, " (2).txt");
  assert_counter (name->str, 2, 255, expected->str);

  /* when nothing else helps, the extension goes, then the counter is cut */
  assert_counter ("abcdef.txt", 2, 8, "abcd (2)");
  assert_counter ("abc", 12345, 3, "(12");
  assert_counter ("\xe6\x97\xa5.txt", 2, 6, "(2)");
}

static void
test_name_max (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("sluice-filename-XXXXXX", &error);
  gsize name_max;

  g_assert_no_error (error);
  name_max = sluice_filename_get_name_max (dir);
  g_test_message ("NAME_MAX of %s: %" G_GSIZE_FORMAT, dir, name_max);
  g_assert_cmpuint (name_max, >=, 14);
  g_assert_cmpint (g_rmdir (dir), ==, 0);

  g_assert_cmpuint (sluice_filename_get_name_max ("/nonexistent/sluice/dir"), ==, 255);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/filename/sanitize/traversal", test_sanitize_traversal);
  g_test_add_func ("/filename/sanitize/leading", test_sanitize_leading);
  g_test_add_func ("/filename/sanitize/controls", test_sanitize_controls);
  g_test_add_func ("/filename/sanitize/bidi", test_sanitize_bidi);
  g_test_add_func ("/filename/sanitize/utf8", test_sanitize_utf8);
  g_test_add_func ("/filename/sanitize/long", test_sanitize_long);
  g_test_add_func ("/filename/disposition/plain", test_disposition_plain);
  g_test_add_func ("/filename/disposition/extended", test_disposition_extended);
  g_test_add_func ("/filename/disposition/preferred", test_disposition_preferred);
  g_test_add_func ("/filename/disposition/extended-invalid", test_disposition_extended_invalid);
  g_test_add_func ("/filename/disposition/garbage", test_disposition_garbage);
  g_test_add_func ("/filename/fuzz", test_fuzz);
  g_test_add_func ("/filename/for-response", test_for_response);
  g_test_add_func ("/filename/counter", test_counter);
  g_test_add_func ("/filename/name-max", test_name_max);

  return g_test_run ();
}
