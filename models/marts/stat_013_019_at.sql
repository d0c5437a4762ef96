{{ atlas_indicator('stat_013_019_at', measure='patients') }}
