{{ atlas_indicator('stat_013_005_at', measure='patients') }}
