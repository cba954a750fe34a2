// Database-backed tests of this project run on a temporary SQLite file (see @simcard/db/testing).
process.env.TEST_DB = 'sqlite';
