{{ atlas_cube('stat_013_001_at') }}
