{{ atlas_indicator('stat_013_003_at', measure='patients') }}
