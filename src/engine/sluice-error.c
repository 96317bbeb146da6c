/* sluice-error.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "sluice-error.h"
#include "sluice-enums.h"

G_DEFINE_QUARK (sluice-error-quark, sluice_error)

const char *
sluice_error_to_nick (SluiceError error)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (SLUICE_TYPE_ERROR);
  GEnumValue *value = g_enum_get_value (klass, error);

  return value != NULL ? value->value_nick : "unknown";
}
