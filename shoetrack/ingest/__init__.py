"""Ingest: activity files into the store.

- `pipeline`: one file from disk to activities (safe read, hash, already logged, duplicate,
  insert, attribution), the folder walk, and the import log.
- `paths`: paths as stored (absolute, escaped) and as shown in tables.
- `reading`: one file read safely (a regular file within the size cap, never a FIFO opened).
- `parallel`: parsing in a pool of worker processes while the importing process alone writes.
- `watch`: watched folders, scanned for new or changed files that have settled.
"""
