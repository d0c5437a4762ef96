{{ atlas_indicator('stat_013_012_at', measure='exams') }}
