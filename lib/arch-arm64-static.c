/* arch-arm64-static.c: what the static cross-built arm64 vbench links instead
 * of libpq and libudev, which Debian ships without a complete static form
 * (libpq.a needs libgssapi_krb5, which has no .a; libhwloc.a needs libudev).
 * A PostgreSQL history store answers that this build has none; hwloc gets no
 * udev handle and reads sysfs without it. Built only by a cross ARCH=arm64
 * build (lib/arch-arm64.mk); every other build links the real libraries. */
#include <libpq-fe.h>
#include <stddef.h>

/* The only connection there is: one that failed, saying why. */
struct pg_conn {
	int unused;
};

static struct pg_conn refused;

PGconn *PQconnectdbParams(const char *const *keys, const char *const *values, int expand)
{
	(void)keys, (void)values, (void)expand;
	return &refused;
}

ConnStatusType PQstatus(const PGconn *conn)
{
	(void)conn;
	return CONNECTION_BAD;
}

char *PQerrorMessage(const PGconn *conn)
{
	(void)conn;
	return (char *)"this vbench is the static arm64 build, without PostgreSQL: "
		"use a SQLite history store (a file path)";
}

void PQfinish(PGconn *conn)
{
	(void)conn;
}

/* Never reached without a connection; each answers as for a failed query. */
PGresult *PQexec(PGconn *conn, const char *query)
{
	(void)conn, (void)query;
	return NULL;
}

PGresult *PQexecParams(PGconn *conn, const char *command, int nParams, const Oid *paramTypes,
		       const char *const *paramValues, const int *paramLengths,
		       const int *paramFormats, int resultFormat)
{
	(void)conn, (void)command, (void)nParams, (void)paramTypes, (void)paramValues;
	(void)paramLengths, (void)paramFormats, (void)resultFormat;
	return NULL;
}

ExecStatusType PQresultStatus(const PGresult *res)
{
	(void)res;
	return PGRES_FATAL_ERROR;
}

char *PQresultErrorMessage(const PGresult *res)
{
	(void)res;
	return (char *)"";
}

void PQclear(PGresult *res)
{
	(void)res;
}

int PQntuples(const PGresult *res)
{
	(void)res;
	return 0;
}

int PQnfields(const PGresult *res)
{
	(void)res;
	return 0;
}

int PQgetisnull(const PGresult *res, int row, int col)
{
	(void)res, (void)row, (void)col;
	return 1;
}

char *PQgetvalue(const PGresult *res, int row, int col)
{
	(void)res, (void)row, (void)col;
	return (char *)"";
}

char *PQcmdTuples(PGresult *res)
{
	(void)res;
	return (char *)"0";
}

/* hwloc asks for a udev handle to name I/O devices; without one it reads
 * sysfs alone and calls none of the others. */
struct udev;
struct udev_device;
struct udev *udev_new(void);
struct udev *udev_unref(struct udev *u);
struct udev_device *udev_device_new_from_subsystem_sysname(struct udev *u, const char *subsystem,
							    const char *sysname);
const char *udev_device_get_property_value(struct udev_device *d, const char *key);
struct udev_device *udev_device_unref(struct udev_device *d);

struct udev *udev_new(void)
{
	return NULL;
}

struct udev *udev_unref(struct udev *u)
{
	(void)u;
	return NULL;
}

struct udev_device *udev_device_new_from_subsystem_sysname(struct udev *u, const char *subsystem,
							    const char *sysname)
{
	(void)u, (void)subsystem, (void)sysname;
	return NULL;
}

const char *udev_device_get_property_value(struct udev_device *d, const char *key)
{
	(void)d, (void)key;
	return NULL;
}

struct udev_device *udev_device_unref(struct udev_device *d)
{
	(void)d;
	return NULL;
}
