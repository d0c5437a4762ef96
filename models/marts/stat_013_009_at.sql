{{ atlas_indicator('stat_013_009_at', measure='patients') }}
