-- A database as shoetrack wrote it before the schema version was kept in PRAGMA user_version
-- (migrations 0001-0005, recorded only in _sqlite_migrations): one pair, 2 logged runs, 6 imported
-- files. Made with `shoe add`, `log` and `import`, then sqlite3 iterdump().
BEGIN TRANSACTION;
CREATE TABLE "_sqlite_migrations" (
   "id" INTEGER PRIMARY KEY,
   "migration_set" TEXT,
   "name" TEXT,
   "applied_at" TEXT
);
INSERT INTO "_sqlite_migrations" VALUES(1,'shoetrack','0001_initial','2026-12-03 15:23:34.792992+00:00');
INSERT INTO "_sqlite_migrations" VALUES(2,'shoetrack','0002_ingest','2026-12-03 15:23:34.793684+00:00');
INSERT INTO "_sqlite_migrations" VALUES(3,'shoetrack','0003_attrib','2026-12-03 15:23:34.793817+00:00');
INSERT INTO "_sqlite_migrations" VALUES(4,'shoetrack','0005_insight','2026-12-03 15:23:34.793960+00:00');
INSERT INTO "_sqlite_migrations" VALUES(5,'shoetrack','0004_settings','2026-12-03 15:23:34.794204+00:00');
CREATE TABLE activities (
                id INTEGER PRIMARY KEY,
                start TEXT NOT NULL CHECK (start >= '1990-01-01'),
                sport TEXT NOT NULL,
                sub_sport TEXT,
                distance_m REAL NOT NULL CHECK (distance_m >= 0 AND distance_m < 1e6),
                elapsed_s REAL CHECK (elapsed_s IS NULL OR (elapsed_s >= 0 AND elapsed_s < 604800)),
                moving_s REAL CHECK (moving_s IS NULL OR (moving_s >= 0 AND moving_s < 604800)),
                name TEXT,
                device TEXT,
                source TEXT NOT NULL,           -- fit / gpx / tcx / manual / strava
                file_id INTEGER REFERENCES files(id) ON DELETE SET NULL,
                session_index INTEGER NOT NULL DEFAULT 0,
                has_gps INTEGER NOT NULL DEFAULT 0,
                recovered INTEGER NOT NULL DEFAULT 0,
                identity TEXT,                  -- cross-format dedupe key: family + minute
                note TEXT,
                ignored INTEGER NOT NULL DEFAULT 0,   -- a test recording: never counts
                created_at TEXT NOT NULL
            , sport_inferred INTEGER NOT NULL DEFAULT 0);
INSERT INTO "activities" VALUES(1,'2026-03-01T12:00:00Z','run',NULL,10000.0,NULL,NULL,NULL,NULL,'manual',NULL,0,0,0,'run@2026-03-01T12:00',NULL,0,'2026-12-03T15:23:34Z',0);
INSERT INTO "activities" VALUES(2,'2026-03-02T12:00:00Z','walk',NULL,5000.0,NULL,NULL,NULL,NULL,'manual',NULL,0,0,0,'foot@2026-03-02T12:00',NULL,0,'2026-12-03T15:23:35Z',0);
INSERT INTO "activities" VALUES(3,'2026-04-12T07:05:00Z','run','generic',8046.72,2520.0,2490.0,'Run','garmin fenix5','fit',1,0,1,0,'run@2026-04-12T07:05',NULL,0,'2026-12-03T15:23:35Z',0);
INSERT INTO "activities" VALUES(4,'2026-04-15T18:30:00Z','treadmill_run','treadmill',5000.0,1620.0,1620.0,'Treadmill','garmin fenix5','fit',2,0,0,0,'run@2026-04-15T18:30',NULL,0,'2026-12-03T15:23:35Z',0);
INSERT INTO "activities" VALUES(5,'2026-04-18T09:00:00Z','cycling','road',30250.4,4200.0,3950.0,'Road Bike','garmin edge_830','fit',3,0,1,0,'cycling@2026-04-18T09:00',NULL,0,'2026-12-03T15:23:35Z',0);
INSERT INTO "activities" VALUES(6,'2026-04-20T06:45:00Z','trail_run',NULL,7.03292122913519415295e+03,2694.0,2694.0,'Eiger trail','shoetrack examples/generate.py','gpx',4,0,1,0,'run@2026-04-20T06:45',NULL,0,'2026-12-03T15:23:35Z',0);
INSERT INTO "activities" VALUES(7,'2026-04-23T17:10:00Z','run',NULL,5550.85,1794.0,1794.0,'2026-04-23-run.tcx','Forerunner 965','tcx',5,0,1,0,'run@2026-04-23T17:10',NULL,0,'2026-12-03T15:23:35Z',0);
INSERT INTO "activities" VALUES(8,'2026-04-26T08:00:00Z','run',NULL,5765.5845237397,1995.0,1995.0,'Central Park easy','shoetrack examples/generate.py','gpx',6,0,1,0,'run@2026-04-26T08:00',NULL,0,'2026-12-03T15:23:35Z',0);
CREATE TABLE alerts (
                id INTEGER PRIMARY KEY,
                shoe_id INTEGER NOT NULL REFERENCES shoes(id) ON DELETE CASCADE,
                level TEXT NOT NULL,            -- approaching / window / replace / reminder / age
                distance_m REAL NOT NULL,
                raised_at TEXT NOT NULL,
                message TEXT NOT NULL,
                rearmed_at TEXT                 -- set when the pair fell back below the level
            );
CREATE TABLE assignments (
                activity_id INTEGER PRIMARY KEY REFERENCES activities(id) ON DELETE CASCADE,
                shoe_id INTEGER NOT NULL REFERENCES shoes(id) ON DELETE CASCADE,
                by TEXT NOT NULL,               -- manual / inbox / rule:N / default / archive
                assigned_at TEXT NOT NULL
            );
INSERT INTO "assignments" VALUES(1,1,'default','2026-12-03T15:23:34Z');
CREATE TABLE deliveries (
                id INTEGER PRIMARY KEY,
                channel TEXT NOT NULL,          -- email / desktop
                status TEXT NOT NULL CHECK (status IN ('pending','sent','failed')),
                subject TEXT NOT NULL,
                body TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                last_error TEXT,
                next_attempt_at TEXT,
                created_at TEXT NOT NULL,
                sent_at TEXT
            , claimed_until TEXT);
CREATE TABLE delivery_alerts (
                delivery_id INTEGER NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
                alert_id INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
                PRIMARY KEY (delivery_id, alert_id)
            );
CREATE TABLE files (
                id INTEGER PRIMARY KEY,
                path TEXT NOT NULL,
                size INTEGER,
                mtime REAL,
                sha256 TEXT,
                format TEXT,
                status TEXT NOT NULL CHECK (status IN ('imported','duplicate','not-activity','failed')),
                reason TEXT,
                duplicate_of INTEGER REFERENCES files(id),
                imported_at TEXT NOT NULL
            , retry INTEGER NOT NULL DEFAULT 0);
INSERT INTO "files" VALUES(1,'/home/runner/Garmin/activities/2026-04-12-road-run.fit',4832,1.79631119578659415245e+09,'2bd9ef0b91c07ef23610ca15e519a264783ce5ca2055889dae13f3e7bf8004c1','fit','imported',NULL,NULL,'2026-12-03T15:23:35Z',0);
INSERT INTO "files" VALUES(2,'/home/runner/Garmin/activities/2026-04-15-treadmill.fit',3212,1.79631119578664827339e+09,'8836f8182698a726de44ed8f5f705d9c4b294c65e34351fe97d50f812901e048','fit','imported',NULL,NULL,'2026-12-03T15:23:35Z',0);
INSERT INTO "files" VALUES(3,'/home/runner/Garmin/activities/2026-04-18-ride.fit',4076,1.79631119578664827339e+09,'74326cd0b27dc1c11f7d079ed544c3848cb356b460d4e1c942be2a3464886d47','fit','imported',NULL,NULL,'2026-12-03T15:23:35Z',0);
INSERT INTO "files" VALUES(4,'/home/runner/Garmin/activities/2026-04-20-trail-run.gpx',45659,1.79631119578664827339e+09,'b2d65f61152cb609b6e6c54457191d5acf4216a441a67ee804acc24760a742c0','gpx','imported',NULL,NULL,'2026-12-03T15:23:35Z',0);
INSERT INTO "files" VALUES(5,'/home/runner/Garmin/activities/2026-04-23-run.tcx',75463,1.79631119578664827339e+09,'6d32bb5d95cba5239d28735b310e6482d9ac2517edfeda82703a886b223a2eaf','tcx','imported',NULL,NULL,'2026-12-03T15:23:35Z',0);
INSERT INTO "files" VALUES(6,'/home/runner/Garmin/activities/2026-04-26-easy-run.gpx.gz',5681,1.79631119578664827339e+09,'9a9bff5f52b657bbd81cd39aa287ef830a41137e409c94e5af8b05af5eb6d1d1','gzip','imported',NULL,NULL,'2026-12-03T15:23:35Z',0);
CREATE TABLE load_alerts (
                id INTEGER PRIMARY KEY,
                kind TEXT NOT NULL CHECK (kind IN ('spike', 'week')),
                key TEXT NOT NULL UNIQUE,       -- spike:<activity id> / week:<first day>
                raised_at TEXT NOT NULL,
                message TEXT NOT NULL
            );
CREATE TABLE rules (
                id INTEGER PRIMARY KEY,
                position INTEGER NOT NULL,
                shoe_id INTEGER NOT NULL REFERENCES shoes(id) ON DELETE CASCADE,
                sport TEXT,
                min_distance_m REAL,
                max_distance_m REAL,
                device TEXT,                    -- glob, case-insensitive
                weekdays TEXT,                  -- JSON list of 0..6 (Monday = 0)
                path_pattern TEXT,              -- glob on the file path, e.g. */Trail/*
                created_at TEXT NOT NULL
            );
CREATE TABLE shoes (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL COLLATE NOCASE UNIQUE CHECK (length(trim(name)) > 0),
                brand TEXT,
                model TEXT,
                purchased_on TEXT,              -- local calendar date YYYY-MM-DD
                retired_on TEXT,                -- first day the pair is no longer in use
                start_distance_m REAL NOT NULL DEFAULT 0
                    CHECK (start_distance_m >= 0 AND start_distance_m < 1e7),
                warn_at_m REAL CHECK (warn_at_m IS NULL OR (warn_at_m > 0 AND warn_at_m < 1e7)),
                replace_at_m REAL CHECK (replace_at_m IS NULL OR (replace_at_m > 0 AND replace_at_m < 1e7)),
                max_age_days INTEGER CHECK (max_age_days IS NULL OR max_age_days > 0),
                default_sports TEXT NOT NULL DEFAULT '[]',   -- JSON list of canonical sports
                cost REAL CHECK (cost IS NULL OR (cost >= 0 AND cost < 1e6)),
                notes TEXT,
                snoozed_until TEXT,             -- alerts held until this UTC time
                created_at TEXT NOT NULL
            );
INSERT INTO "shoes" VALUES(1,'Pegasus',NULL,NULL,NULL,NULL,0.0,NULL,NULL,NULL,'["run"]',NULL,NULL,NULL,'2026-12-03T15:23:34Z');
CREATE TABLE watches (
                id INTEGER PRIMARY KEY,
                folder TEXT NOT NULL UNIQUE,
                recursive INTEGER NOT NULL DEFAULT 1,
                enabled INTEGER NOT NULL DEFAULT 1,
                last_scan TEXT,
                created_at TEXT NOT NULL
            , sport TEXT);
CREATE UNIQUE INDEX "idx__sqlite_migrations_migration_set_name"
    ON "_sqlite_migrations" ("migration_set", "name");
CREATE INDEX files_sha256 ON files(sha256);
CREATE INDEX files_path ON files(path);
CREATE INDEX activities_start ON activities(start);
CREATE INDEX activities_file ON activities(file_id);
CREATE INDEX assignments_shoe ON assignments(shoe_id);
CREATE INDEX alerts_shoe ON alerts(shoe_id, level);
COMMIT;
