-- Database per service: each service owns its data and migrates only its own database.
CREATE DATABASE order_service;
CREATE DATABASE inventory_service;
CREATE DATABASE payment_service;
CREATE DATABASE notification_service;
CREATE DATABASE points_service;
