-- Runs once, when the postgres volume is new: Airflow's metadata and the warehouse live in
-- separate databases with separate owners.
CREATE ROLE airflow LOGIN PASSWORD 'airflow';
CREATE DATABASE airflow OWNER airflow;
CREATE ROLE newsflow LOGIN PASSWORD 'newsflow';
CREATE DATABASE newsflow OWNER newsflow;
