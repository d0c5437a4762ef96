{{ atlas_indicator('stat_013_001_at', measure='patients') }}
