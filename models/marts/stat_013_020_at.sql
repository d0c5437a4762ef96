{{ atlas_indicator('stat_013_020_at', measure='exams') }}
