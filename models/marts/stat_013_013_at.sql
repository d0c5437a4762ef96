{{ atlas_indicator('stat_013_013_at', measure='patients') }}
