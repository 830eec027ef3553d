CREATE TABLE bookings (room bigint, during tstzrange, EXCLUDE USING gist (room WITH =, during WITH &&));
