/* Umbrella header of the CGnuTLS system library module (see module.modulemap). */
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
