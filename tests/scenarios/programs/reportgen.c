/* reportgen: a vendor's report generator, linked against libreport.so.1
 * without an rpath: it runs only where LD_LIBRARY_PATH names
 * /opt/reportgen/lib (the wrapper script its installer set up). */
#include <stdio.h>

int report_rows(const char *name);

int main(void) {
  printf("reportgen: %d rows\n", report_rows("daily"));
  return 0;
}
