{{ atlas_indicator('stat_013_007_at', measure='patients') }}
