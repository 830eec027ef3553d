DROP SCHEMA IF EXISTS reporting_old;
