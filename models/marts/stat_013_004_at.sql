{{ atlas_indicator('stat_013_004_at', measure='exams') }}
