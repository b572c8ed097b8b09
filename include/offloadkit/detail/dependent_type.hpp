/**
 * @file
 * @brief detail::dependent_type: a type named through a template parameter (compile cost, issue 14).
 *
 * Inside a template, g++ instantiates a class template named by a non-dependent type (a local
 * `Eigen::MatrixXd`, a `top1_calibrator<isotonic_calibrator>` returned as another type) where the
 * template is defined, in every file that includes the header. Naming it as
 * `typename dependent_type<T, U>::type`, with T a parameter of the enclosing template, defers that
 * to the template's instantiation, so only a caller pays for it. The type is U in every case.
 */
#ifndef OFFLOADKIT_DETAIL_DEPENDENT_TYPE_HPP
#define OFFLOADKIT_DETAIL_DEPENDENT_TYPE_HPP

namespace offloadkit::detail {

/// U, named through T so that it is a dependent type inside a template on T.
template <class T, class U>
struct dependent_type {
    using type = U;
};

}  // namespace offloadkit::detail

#endif  // OFFLOADKIT_DETAIL_DEPENDENT_TYPE_HPP
