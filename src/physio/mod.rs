//! Physiological boundary conditions: flow and pressure waveforms ([`waveform`]), Womersley's
//! pulsatile pipe flow ([`womersley`], the inlet profile and the analytic reference), inlets
//! driven over time ([`inlet`]), and the zero-dimensional models of the vascular bed beyond an
//! outlet ([`windkessel`]). All SI: flow
//! rates in m^3/s, pressures in Pa, times in s.

pub mod inlet;
pub mod waveform;
pub mod windkessel;
pub mod womersley;
