// Database-backed tests of this project run in a fresh PostgreSQL schema (see @simcard/db/testing).
process.env.TEST_DB = 'postgres';
