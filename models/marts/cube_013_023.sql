{{ atlas_cube('stat_013_023_at') }}
