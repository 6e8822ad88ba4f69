"""Every write about institutions, caregivers and assessors: one function per use case, audited.

Care and assessment institutions share one workflow. Admission (定点准入) runs submitted →
under review (→ on-site inspection → under review) → approved or refused; a care institution
that asked for the fast channel and meets its conditions may be approved straight from
"submitted". Approval creates (or takes over) the care or assessment organization, its
designation profile, service points and the first agreement. An institution's status
(active, suspended, terminated) is changed only here, with a reason and an effective date, and
is copied onto ``Organization.status`` in the same transaction, so the users of a suspended
institution see nothing (``orgs.scoping``) and later features refuse new work for it.
"""

from changhu.providers.services._common import (  # noqa: F401
    ADMISSION_FLOW,
    CAREGIVER_AUDIT_LABELS,
    CAREGIVER_AUDIT_MASKERS,
    CAREGIVER_FLOW,
    CAREGIVER_ID_PURPOSE,
    CAREGIVER_PHONE_PURPOSE,
    INSTITUTION_FLOW,
    PERSON_ID_PURPOSE,
)
from changhu.providers.services.accounts import (  # noqa: F401
    USERNAME_RE,
    AccountResult,
    caregiver_account_close,
    caregiver_account_open,
    caregiver_account_reset,
)
from changhu.providers.services.admission import (  # noqa: F401
    DESIGNATION_WORDS,
    AdmissionInput,
    AgreementInput,
    CleanAdmission,
    CleanAgreement,
    admission_approve,
    admission_record_inspection,
    admission_refuse,
    admission_schedule_inspection,
    admission_start_review,
    admission_submit,
    admission_withdraw,
    clean_admission,
    clean_agreement,
    institution_register_existing,
)
from changhu.providers.services.assessors import (  # noqa: F401
    ASSESSOR_FLOW,
    ASSESSOR_HELD_KINDS,
    ASSESSOR_ID_PURPOSE,
    AssessorInput,
    assessor_assert_qualified,
    assessor_certificate_add,
    assessor_qualification,
    assessor_register,
    assessor_set_status,
    assessor_training_add,
    assessor_update,
    clean_assessor,
)
from changhu.providers.services.caregivers import (  # noqa: F401
    CERTIFICATE_KIND_WORDS,
    KIND_WORDS,
    MIN_CAREGIVER_AGE,
    QUALIFICATION_WORDS,
    BeneficiaryResolver,
    CaregiverInput,
    CertificateInput,
    CleanCaregiver,
    add_clean_certificate,
    add_clean_training,
    build_caregiver,
    caregiver_assert_assignable,
    caregiver_is_assignable,
    caregiver_register,
    caregiver_reveal,
    caregiver_set_status,
    caregiver_update,
    certificate_add,
    certificate_from_training,
    clean_caregiver,
    clean_certificate,
    clean_training,
    person_id_by_id_number,
    register_beneficiary_resolver,
    register_clean_caregiver,
    resolve_beneficiary,
    training_add,
)
from changhu.providers.services.institutions import (  # noqa: F401
    agreement_in_force,
    agreement_renew,
    agreement_sign,
    agreement_terminate,
    institution_assert_can_serve,
    institution_in_force,
    institution_set_status,
    institution_status_on,
    institution_update_profile,
    register_exit_handler,
    service_point_add,
)
