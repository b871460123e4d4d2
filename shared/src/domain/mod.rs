//! The TĐKT domain (công tác thi đua, khen thưởng): titles, rules with
//! effective periods, and Vietnamese name handling.

pub mod names;
