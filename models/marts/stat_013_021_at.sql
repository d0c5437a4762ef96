{{ atlas_indicator('stat_013_021_at', measure='patients') }}
