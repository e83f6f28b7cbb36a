//! ChatKit requests. (Being filled in.)
