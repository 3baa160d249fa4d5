#!/bin/sh
# First start of the compose PostgreSQL (docker-entrypoint-initdb.d): one role and one database
# per service, each database owned by its service's role and closed to every other role, so a
# service cannot read another's data even by mistake (as with one CloudNativePG cluster each in
# Kubernetes). The password comes from THIDUA_DEV_PASSWORD (see compose.yaml); nothing here is
# a secret. Runs only when the data volume is empty: `docker compose down -v` to start over.
set -e

for service in ${THIDUA_SERVICES:-identity criteria scoring awards notify}; do
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
        -v service="$service" -v password="$THIDUA_DEV_PASSWORD" <<'SQL'
CREATE ROLE :"service" LOGIN PASSWORD :'password';
CREATE DATABASE :"service" OWNER :"service";
REVOKE ALL ON DATABASE :"service" FROM PUBLIC;
SQL
done
