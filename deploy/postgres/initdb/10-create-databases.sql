-- Run once by the postgres image, on the first start with an empty data volume: one database per service.
-- Each database's tables are created by that service's migrations (the *-migrate services), never here.
CREATE DATABASE oos_gateway;
CREATE DATABASE oos_inventory;
CREATE DATABASE oos_payments;
