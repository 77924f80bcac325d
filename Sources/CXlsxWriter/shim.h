/*
 * CXlsxWriter: libxlsxwriter (Debian libxlsxwriter-dev) for Swift, found by pkg-config
 * ("xlsxwriter"). Only SubsidyReport imports it, internally, for 结果.xlsx.
 */
#ifndef SUBSIDYSIM_CXLSXWRITER_SHIM_H
#define SUBSIDYSIM_CXLSXWRITER_SHIM_H

#include <xlsxwriter.h>

#endif
