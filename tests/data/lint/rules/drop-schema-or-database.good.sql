DROP VIEW IF EXISTS reporting.monthly;
