{{ atlas_indicator('stat_013_016_at', measure='exams') }}
