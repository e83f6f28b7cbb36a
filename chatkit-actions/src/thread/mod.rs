//! ChatKit threads, items and stream events. (Being filled in.)
