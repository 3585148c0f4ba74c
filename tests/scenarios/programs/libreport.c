/* libreport.so.1: the report library a vendor ships with reportgen, in
 * /opt/reportgen/lib, outside the loader's default search path. */
#include <stdio.h>

int report_rows(const char *name) {
  (void)name;
  return 3;
}
